import { describe, expect, it } from 'vitest'
import { reportBlocks, reportFileName } from '../src/pages/dashboard/report'

// The shape services/stats/report.py renders: everything escaped, one element per block.
const PAGE = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>龙泉社区志愿服务工作情况报告</title>
<style>p { text-indent: 2em; }</style>
</head>
<body>
<h1>龙泉社区志愿服务工作情况报告</h1>
<p class="meta">统计期间：2025年3月1日至2025年3月31日　数据截至：2025年3月31日 18:00</p>
<p>已吸收志愿者2人（其中党员1人），注册队伍1支。</p>
<h2>橙色&lt;script&gt;alert(1)&lt;/script&gt;</h2>
<p>橙色服务队伍1支、志愿者2人。</p>
<p>   </p>
</body>
</html>
`

describe('the summary report', () => {
  it('reads the service’s page into plain blocks, names left as text', () => {
    expect(reportBlocks(PAGE)).toEqual([
      { kind: 'title', text: '龙泉社区志愿服务工作情况报告' },
      { kind: 'meta', text: '统计期间：2025年3月1日至2025年3月31日　数据截至：2025年3月31日 18:00' },
      { kind: 'paragraph', text: '已吸收志愿者2人（其中党员1人），注册队伍1支。' },
      { kind: 'heading', text: '橙色<script>alert(1)</script>' },
      { kind: 'paragraph', text: '橙色服务队伍1支、志愿者2人。' },
    ])
  })

  it('gives nothing for a page that is no report', () => {
    expect(reportBlocks('')).toEqual([])
    expect(reportBlocks('<div>hello</div>')).toEqual([])
  })

  it('names a downloaded file by its title and period', () => {
    expect(reportFileName('龙泉社区志愿服务工作情况报告', '2025年3月', 'markdown')).toBe(
      '龙泉社区志愿服务工作情况报告（2025年3月）.md',
    )
    expect(reportFileName('A/B:C', '2025-03-01 至 2025-03-15', 'html')).toBe('A_B_C（2025-03-01_至_2025-03-15）.html')
  })
})
