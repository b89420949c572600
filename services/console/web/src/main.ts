import 'element-plus/dist/index.css'
import './styles.css'
import { ElMessage } from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { configureAuth, sendToSignIn } from './api/client'
import { router } from './router'
import { useSession } from './stores/session'

const app = createApp(App)
app.use(createPinia())
const session = useSession()

configureAuth({
  token: () => session.token,
  unauthorized: sendToSignIn(router, session, (message) => ElMessage.warning(message)),
})

app.use(router)
app.mount('#app')
