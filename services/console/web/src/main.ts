import 'element-plus/dist/index.css'
import './styles.css'
import { ElMessage } from 'element-plus'
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import App from './App.vue'
import { configureAuth } from './api/client'
import { router } from './router'
import { useSession } from './stores/session'

const app = createApp(App)
app.use(createPinia())
const session = useSession()

configureAuth({
  token: () => session.token,
  unauthorized() {
    const here = router.currentRoute.value
    if (here.name === 'login') return // the sign-in page says so itself
    session.signOut()
    ElMessage.warning('登录已失效，请重新登录；已填写的内容会保留。')
    void router.push({ name: 'login', query: { redirect: here.fullPath } })
  },
})

app.use(router)
app.mount('#app')
