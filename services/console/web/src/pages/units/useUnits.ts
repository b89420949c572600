// The resident units in the caller's scope (GET /resident-units, read when a page opens,
// so a unit just registered is there), and their names by id; a unit not among them
// (another community of the branch) is read on its own, and named "其他社区的驻区单位"
// when the caller may not see it.
import { computed, reactive, ref, watch, type ComputedRef } from 'vue'
import { call, registry } from '../../api/client'
import type { components } from '../../api/schema/registry'
import { keptUnit, type UnitChoice } from './choices'

export type Unit = components['schemas']['ResidentUnitOut']

export const UNSEEN_UNIT = '其他社区的驻区单位'

export function useUnits() {
  const units = ref<Unit[]>([])
  const extra = reactive(new Map<string, string>())
  const ready = call(registry.GET('/resident-units', { params: { query: { limit: 500 } } }))
    .then((page) => {
      units.value = page.items
    })
    .catch(() => undefined) // the selects stay empty; the forms still work without a unit
  const names = computed(() => {
    const all = new Map(extra)
    for (const u of units.value) all.set(u.id, u.name)
    return all
  })
  /** Read the names of units not in the list (once each). */
  async function want(ids: readonly (string | null | undefined)[]): Promise<void> {
    await ready
    const unknown = [...new Set(ids)].filter((id): id is string => !!id && !names.value.has(id))
    await Promise.all(
      unknown.map(async (id) => {
        extra.set(id, '…')
        try {
          const unit = await call(registry.GET('/resident-units/{unit_id}', { params: { path: { unit_id: id } } }))
          extra.set(id, unit.name)
        } catch {
          extra.set(id, UNSEEN_UNIT)
        }
      }),
    )
  }
  return { units, names, want, ready }
}

/** The units a record may belong to (`offered` picks them among the caller's), and its unit
 * dropped when it is no longer among them (its community changed), once they are `known`. */
export function useUnitChoices(
  record: { unit_id: string },
  offered: (units: readonly Unit[]) => UnitChoice[],
  known: () => boolean = () => true,
): ComputedRef<UnitChoice[]> {
  const { units, ready } = useUnits()
  const loaded = ref(false)
  void ready.then(() => (loaded.value = true))
  const choices = computed(() => offered(units.value))
  watch([choices, loaded], () => {
    if (loaded.value && known()) record.unit_id = keptUnit(record.unit_id, choices.value)
  })
  return choices
}
