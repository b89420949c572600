// The console is built against the services' OpenAPI documents, kept in openapi/<service>.json.
//   npm run gen:api      writes the types src/api/schema/<service>.ts from openapi/*.json
//                        (no Python needed; build, typecheck and test run it first)
//   npm run refresh:api  asks the services for their documents (`qise openapi`), writes
//                        openapi/*.json, then the types
//   npm run check:api    fails when openapi/*.json differ from what the services answer today
// `qise openapi` runs with QISE_PYTHON, else the repository's .venv, else python3.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import openapiTS, { astToString } from 'openapi-typescript'

const SERVICES = ['registry', 'activities', 'requests', 'stats']
const web = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const root = resolve(web, '../../..')
const documents = join(web, 'openapi')
const types = join(web, 'src', 'api', 'schema')
const mode = process.argv.includes('--check')
  ? 'check'
  : process.argv.includes('--refresh')
    ? 'refresh'
    : 'types'

function python() {
  if (process.env.QISE_PYTHON) return process.env.QISE_PYTHON
  const venv = join(root, '.venv', 'bin', 'python')
  return existsSync(venv) ? venv : 'python3'
}

/** The documents the services answer today, in a fresh folder. */
function fromServices() {
  const out = mkdtempSync(join(tmpdir(), 'qise-openapi-'))
  execFileSync(python(), ['-m', 'qise.cli', 'openapi', '--out', out], {
    cwd: root,
    env: { ...process.env, PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(':') },
    stdio: ['ignore', 'ignore', 'inherit'],
  })
  return Object.fromEntries(
    SERVICES.map((s) => [s, JSON.parse(readFileSync(join(out, `${s}.json`), 'utf-8'))]),
  )
}

const kept = (service) => join(documents, `${service}.json`)
const written = (document) => `${JSON.stringify(document, null, 2)}\n`

if (mode === 'check') {
  const today = fromServices()
  const stale = SERVICES.filter(
    (s) => !existsSync(kept(s)) || readFileSync(kept(s), 'utf-8') !== written(today[s]),
  )
  if (stale.length) {
    console.error(
      `The console's OpenAPI documents are stale (the services changed): ${stale.join(', ')}\n` +
        'run: cd services/console/web && npm run refresh:api',
    )
    process.exit(1)
  }
  console.log('openapi/*.json match what the services answer')
  process.exit(0)
}

if (mode === 'refresh') {
  mkdirSync(documents, { recursive: true })
  const today = fromServices()
  for (const service of SERVICES) writeFileSync(kept(service), written(today[service]))
  console.log(`wrote ${documents}/*.json`)
}

mkdirSync(types, { recursive: true })
for (const service of SERVICES) {
  const document = JSON.parse(readFileSync(kept(service), 'utf-8'))
  const header =
    `// Generated from openapi/${service}.json by \`npm run gen:api\`; not kept in git.\n` +
    '// Change the Python service, then `npm run refresh:api`.\n\n'
  const text = header + astToString(await openapiTS(document))
  const target = join(types, `${service}.ts`)
  if (!existsSync(target) || readFileSync(target, 'utf-8') !== text) writeFileSync(target, text)
}
