// A file sent with XMLHttpRequest, because fetch cannot report upload progress: the same
// bearer token, the same one 401 handler and the same problem+json reading as `call`.
import { authHooks } from './client'
import { ApiError, toProblem } from './problem'

/** POST `form` to `/api/<service><path>`; `progress` gets the share sent so far (0–1). */
export function upload<T>(
  service: string,
  path: string,
  form: FormData,
  progress: (sent: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', `/api/${service}${path}`)
    const token = authHooks().token()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    xhr.responseType = 'text'
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) progress(event.loaded / event.total)
    }
    xhr.onload = () => {
      let body: unknown = null
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null
      } catch {
        body = null // a proxy's HTML page: the status says enough
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        progress(1)
        resolve(body as T)
        return
      }
      if (xhr.status === 401) authHooks().unauthorized()
      reject(new ApiError(toProblem(body, xhr.status)))
    }
    const unreachable = () =>
      reject(new ApiError({ status: 0, detail: '网络连接中断，未能送达服务，请检查网络后重试。' }))
    xhr.onerror = unreachable
    xhr.ontimeout = unreachable
    xhr.send(form)
  })
}
