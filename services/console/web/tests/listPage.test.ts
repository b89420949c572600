import { mount } from '@vue/test-utils'
import { ElMessage } from 'element-plus'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, nextTick } from 'vue'
import { createMemoryHistory, createRouter, RouterView } from 'vue-router'
import { ApiError } from '../src/api/problem'
import ListFilters from '../src/components/ListFilters.vue'
import PagedTable from '../src/components/PagedTable.vue'
import { useListPage, type ListPage, type Page } from '../src/composables/useListPage'
import type { ListState, Sorting } from '../src/composables/useListQuery'

const FILTERS = { community_id: '', q: '' }
type F = typeof FILTERS
interface Row {
  id: string
  name: string
}
const SORTING: Sorting = { default: '-created_at', allowed: ['created_at', '-created_at'] }

/** A service's answers in the order asked; the states it was asked for. */
function service(...answers: (Page<Row> | Error)[]) {
  const asked: ListState<F>[] = []
  const read = (state: ListState<F>): Promise<Page<Row>> => {
    asked.push(state)
    const answer = answers.shift() ?? { items: [] }
    return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer)
  }
  return { asked, read }
}

async function mounted(path: string, read: (state: ListState<F>) => Promise<Page<Row>>, sorting?: Sorting) {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: { render: () => null } }] })
  await router.push(path)
  let page!: ListPage<F, Row>
  const Host = defineComponent({
    setup() {
      page = useListPage({ filters: FILTERS, sorting, read })
      return () => h(RouterView)
    },
  })
  mount(Host, { global: { plugins: [router] } })
  await router.isReady()
  await flush()
  return { router, page }
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('useListPage', () => {
  it('reads the page the address names, with its rows and the next cursor', async () => {
    const { asked, read } = service({ items: [{ id: 'v1', name: '王芳' }], next_cursor: 'c2' })
    const { page } = await mounted('/list?q=%E7%8E%8B&cursor=c1&limit=50', read, SORTING)
    expect(asked).toEqual([{ filters: { community_id: '', q: '王' }, sort: '-created_at', cursor: 'c1', limit: 50 }])
    expect(page.rows.value).toEqual([{ id: 'v1', name: '王芳' }])
    expect(page.nextCursor.value).toBe('c2')
    expect(page.loading.value).toBe(false)
  })

  it('reads again when the address changes: a search, the next page, a page size', async () => {
    const { asked, read } = service(
      { items: [{ id: 'a', name: 'A' }], next_cursor: 'c2' },
      { items: [{ id: 'b', name: 'B' }] },
      { items: [] },
      { items: [] },
    )
    const { page } = await mounted('/list', read)
    await page.list.next('c2')
    await flush()
    expect(asked[1]).toMatchObject({ cursor: 'c2' })
    expect(page.rows.value).toEqual([{ id: 'b', name: 'B' }])
    expect(page.nextCursor.value).toBeNull() // the last page
    page.list.filters.q = '李'
    await page.list.search()
    await flush()
    expect(asked[2]).toMatchObject({ filters: { q: '李' }, cursor: null })
    await page.list.setLimit(100)
    await flush()
    expect(asked[3]).toMatchObject({ filters: { q: '李' }, limit: 100 })
    expect(asked).toHaveLength(4)
  })

  it('shows the page as loading while the service answers', async () => {
    let answer!: (page: Page<Row>) => void
    const { page } = await mounted('/list', () => new Promise((resolve) => (answer = resolve)))
    expect(page.loading.value).toBe(true)
    answer({ items: [{ id: 'a', name: 'A' }] })
    await flush()
    expect(page.loading.value).toBe(false)
    expect(page.rows.value).toHaveLength(1)
  })

  it('says what went wrong in one message and keeps the rows shown', async () => {
    const error = vi.spyOn(ElMessage, 'error').mockImplementation(() => ({ close: () => {} }))
    const { read } = service({ items: [{ id: 'a', name: 'A' }] }, new ApiError({ status: 503 }))
    const { page } = await mounted('/list', read)
    await page.load()
    expect(error).toHaveBeenCalledWith('服务暂时不可用，请稍后再试。')
    expect(page.rows.value).toEqual([{ id: 'a', name: 'A' }])
    expect(page.loading.value).toBe(false)
  })

  it('leaves a refused token to the sign-in page, and lets a bug surface', async () => {
    const error = vi.spyOn(ElMessage, 'error').mockImplementation(() => ({ close: () => {} }))
    const { read } = service({ items: [] }, new ApiError({ status: 401 }), new TypeError('a bug'))
    const { page } = await mounted('/list', read)
    await page.load()
    expect(error).not.toHaveBeenCalled()
    await expect(page.load()).rejects.toThrow('a bug')
    expect(page.loading.value).toBe(false)
  })
})

describe('PagedTable and ListFilters', () => {
  it('show the rows and page on with the pager; a search starts at the first page', async () => {
    const { asked, read } = service(
      { items: [{ id: 'a', name: '王芳' }], next_cursor: 'c2' },
      { items: [{ id: 'b', name: '李强' }] },
      { items: [] },
    )
    const router = createRouter({ history: createMemoryHistory(), routes: [{ path: '/list', component: { render: () => null } }] })
    await router.push('/list')
    const Host = defineComponent({
      setup() {
        const page = useListPage({ filters: FILTERS, read })
        return () => [
          h(ListFilters, { onSearch: () => page.list.search(), onReset: () => page.list.reset() }),
          h(PagedTable, { page, emptyText: '没有', 'data-testid': 'table' }, () => []),
        ]
      },
    })
    const wrapper = mount(Host, { global: { plugins: [router] }, attachTo: document.body })
    await router.isReady()
    await flush()
    expect(wrapper.find('[data-testid="table"]').classes()).toContain('el-table')
    expect(wrapper.find('[data-testid="pager"]').text()).toContain('本页 1 条')
    const next = wrapper.findAll('[data-testid="pager"] button').find((b) => b.text() === '下一页')!
    await next.trigger('click')
    await flush()
    expect(router.currentRoute.value.query).toEqual({ cursor: 'c2' })
    expect(asked[1]).toMatchObject({ cursor: 'c2' })
    await wrapper.find('form').trigger('submit')
    await flush()
    expect(router.currentRoute.value.query).toEqual({})
    expect(asked).toHaveLength(3)
    wrapper.unmount()
  })
})

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setTimeout(resolve, 0))
    await nextTick()
  }
}
