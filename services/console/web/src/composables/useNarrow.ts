// A phone's width (the layout folds its menu at the same 767 px): pages show fewer,
// stacked columns there instead of a table to scroll sideways.
import { onBeforeUnmount, ref, type Ref } from 'vue'

export const PHONE_QUERY = '(max-width: 767px)'

export function useNarrow(): Ref<boolean> {
  const query = window.matchMedia(PHONE_QUERY)
  const narrow = ref(query.matches)
  const changed = () => (narrow.value = query.matches)
  query.addEventListener('change', changed)
  onBeforeUnmount(() => query.removeEventListener('change', changed))
  return narrow
}
