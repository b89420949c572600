import 'element-plus/dist/index.css'
import './styles.css'
import { ElMessage } from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { configureAuth, sendToSignIn } from './api/client'
import { loadAuthConfig } from './auth/config'
import { router } from './router'
import { useSession } from './stores/session'

async function start(): Promise<void> {
  const app = createApp(App)
  app.use(createPinia())
  const session = useSession()
  // How to sign in and where the claims are, before the first page decides who may see it.
  session.configure(await loadAuthConfig())

  configureAuth({
    token: () => session.token,
    unauthorized: sendToSignIn(router, session, (message) => ElMessage.warning(message)),
  })

  app.use(router)
  app.mount('#app')
}

void start()
