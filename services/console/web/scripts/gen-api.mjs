// API types from the services' own OpenAPI documents: `npm run gen:api` writes
// src/api/schema/<service>.ts; `npm run check:api` fails when those files are stale.
// The documents come from `qise openapi` (QISE_PYTHON, else the repository's .venv, else python3).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'

const SERVICES = ['registry', 'activities', 'requests', 'stats']
const web = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const root = resolve(web, '../../..')
const check = process.argv.includes('--check')

function python() {
  if (process.env.QISE_PYTHON) return process.env.QISE_PYTHON
  const venv = join(root, '.venv', 'bin', 'python')
  return existsSync(venv) ? venv : 'python3'
}

const out = mkdtempSync(join(tmpdir(), 'qise-openapi-'))
execFileSync(python(), ['-m', 'qise.cli', 'openapi', '--out', out], {
  cwd: root,
  env: { ...process.env, PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(':') },
  stdio: ['ignore', 'ignore', 'inherit'],
})

const stale = []
for (const service of SERVICES) {
  const document = JSON.parse(readFileSync(join(out, `${service}.json`), 'utf-8'))
  const header =
    `// Generated from the ${service} service's OpenAPI document by \`npm run gen:api\`.\n` +
    '// Do not edit: change the Python service, then run it again.\n\n'
  const text = header + astToString(await openapiTS(document))
  const target = join(web, 'src', 'api', 'schema', `${service}.ts`)
  const current = existsSync(target) ? readFileSync(target, 'utf-8') : null
  if (current === text) continue
  if (check) stale.push(target)
  else {
    writeFileSync(target, text)
    console.log(`wrote ${target}`)
  }
}
if (stale.length) {
  console.error(
    `API types are stale (the services' OpenAPI changed):\n  ${stale.join('\n  ')}\n` +
      'run: cd services/console/web && npm run gen:api',
  )
  process.exit(1)
}
if (check) console.log('API types match the services’ OpenAPI documents')
