"""The default kinds of activity, from the source document's account of each color."""

from __future__ import annotations

# (code, name, the category it usually belongs to)
DEFAULT_KINDS: list[tuple[str, str, str | None]] = [
    ("policy_talk", "政策宣讲", "red"),
    ("home_study_delivery", "送学上门", "red"),
    ("daily_service", "日常服务", "red"),
    ("dispute_mediation", "矛盾调解", "red"),
    ("free_clinic", "义诊", "orange"),
    ("health_consultation", "健康咨询", "orange"),
    ("street_campaign", "街头宣传", "orange"),
    ("care_visit", "关爱走访", "orange"),
    ("special_school_visit", "特教学校慰问", "orange"),
    ("training", "技能培训", "gold"),
    ("ecommerce_training", "电商培训", "gold"),
    ("job_placement", "就业帮扶", "gold"),
    ("environment_campaign", "环保宣传", "green"),
    ("sanitation_drive", "环境整治", "green"),
    ("safety_patrol", "治安巡逻", "cyan"),
    ("safety_talk", "安全知识宣讲", "cyan"),
    ("emergency_response", "应急处置", "cyan"),
    ("youth_mentoring", "青少年帮教", "cyan"),
    ("event_security", "活动安保", "blue"),
    ("missing_person_search", "寻找走失人员", "blue"),
    ("night_patrol", "夜间巡逻", "blue"),
    ("performance", "文艺演出", "purple"),
    ("sports", "体育活动", "purple"),
    ("other", "其他服务", None),
]
