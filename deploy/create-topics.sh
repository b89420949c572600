#!/bin/sh
# Creates Qise's Kafka topics with the tools of the apache/kafka image; safe to run again.
# docker-compose.yml runs this file; deploy/k8s/topics-job.yaml carries the same text
# (tests/ops/test_k8s.py checks that they agree).
#
# Environment: KAFKA_BOOTSTRAP_SERVERS; TOPICS (space separated, each topic and its .dlq);
# PARTITIONS; REPLICATION_FACTOR; TOPIC_CONFIG and DLQ_TOPIC_CONFIG (optional,
# space separated key=value topic settings for new event and dead-letter topics).
#
# An existing topic is left as it is, but one with fewer partitions than PARTITIONS
# fails the run: adding partitions moves communities to other partitions, so it is
# an operator's decision (docs/operations.md, "Scaling").
set -eu
bin="${KAFKA_BIN:-/opt/kafka/bin}"
for topic in $TOPICS; do
  case "$topic" in
    *.dlq) config="${DLQ_TOPIC_CONFIG:-}" ;;
    *) config="${TOPIC_CONFIG:-}" ;;
  esac
  set --
  for entry in $config; do set -- "$@" --config "$entry"; done
  "$bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --create --if-not-exists \
    --topic "$topic" --partitions "$PARTITIONS" --replication-factor "$REPLICATION_FACTOR" "$@"
done
counts=$("$bin/kafka-topics.sh" --bootstrap-server "$KAFKA_BOOTSTRAP_SERVERS" --describe \
  | awk '/PartitionCount:/ { for (i = 1; i < NF; i++) { if ($i == "Topic:") t = $(i + 1);
         if ($i == "PartitionCount:") p = $(i + 1) } print t, p }')
status=0
for topic in $TOPICS; do
  have=$(printf '%s\n' "$counts" | awk -v t="$topic" '$1 == t { print $2 }')
  if [ -z "$have" ] || [ "$have" -lt "$PARTITIONS" ]; then
    echo "topic $topic has ${have:-no} partitions, wanted $PARTITIONS" >&2
    status=1
  else
    echo "topic $topic: $have partitions"
  fi
done
exit "$status"
