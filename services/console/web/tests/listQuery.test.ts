import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMIT, readListQuery, writeListQuery } from '../src/composables/useListQuery'

const DEFAULTS = { community_id: '', q: '', is_party_member: '' }

describe('list state in the URL query', () => {
  it('reads filters, cursor and page size, ignoring what it does not know', () => {
    const state = readListQuery(
      { community_id: 'longquan', q: '王', cursor: 'abc', limit: '50', other: 'x' },
      DEFAULTS,
    )
    expect(state).toEqual({
      filters: { community_id: 'longquan', q: '王', is_party_member: '' },
      cursor: 'abc',
      limit: 50,
    })
  })

  it('defaults a bad or missing page size and takes the first of repeated keys', () => {
    expect(readListQuery({ limit: '7' }, DEFAULTS).limit).toBe(DEFAULT_LIMIT)
    expect(readListQuery({ q: ['a', 'b'] }, DEFAULTS).filters.q).toBe('a')
    expect(readListQuery({}, DEFAULTS)).toEqual({ filters: DEFAULTS, cursor: null, limit: DEFAULT_LIMIT })
  })

  it('writes only what differs from the defaults, trimmed', () => {
    expect(
      writeListQuery(
        { filters: { community_id: '', q: ' 王芳 ', is_party_member: 'true' }, cursor: null, limit: DEFAULT_LIMIT },
        DEFAULTS,
      ),
    ).toEqual({ q: '王芳', is_party_member: 'true' })
    expect(writeListQuery({ filters: DEFAULTS, cursor: 'c1', limit: 100 }, DEFAULTS)).toEqual({ cursor: 'c1', limit: '100' })
  })

  it('round-trips', () => {
    const state = { filters: { community_id: 'x', q: '5678', is_party_member: 'false' }, cursor: 'c', limit: 50 }
    const query = writeListQuery(state, DEFAULTS) as Record<string, string>
    expect(readListQuery(query, DEFAULTS)).toEqual(state)
  })
})
