// A clock that ticks while the page is open, so countdowns count down by themselves.
import { onMounted, onUnmounted, ref } from 'vue'

export function useNow(everyMs = 15_000) {
  const now = ref(new Date())
  let timer: ReturnType<typeof setInterval> | undefined
  onMounted(() => {
    timer = setInterval(() => {
      now.value = new Date()
    }, everyMs)
  })
  onUnmounted(() => clearInterval(timer))
  return now
}
