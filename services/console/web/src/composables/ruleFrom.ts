// el-form rules that ask a page's own checks (its rules.ts: the services' rules written once
// for the browser) about one field, so the message stands beside that field.
import type { FormItemRule } from 'element-plus'

/** A rule maker over one check: `rule('name', true)` checks `name` on blur and marks it
 * required; choices are checked on 'change'. */
export function ruleFrom<F extends string>(check: (field: F) => string | null) {
  return (field: F, required = false, trigger: string | string[] = 'blur'): FormItemRule => ({
    required,
    trigger,
    validator: (_: unknown, __: unknown, done: (error?: Error) => void) => {
      const wrong = check(field)
      done(wrong ? new Error(wrong) : undefined)
    },
  })
}
