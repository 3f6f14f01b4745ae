// Routes. Hash history: the app is loaded from the Tauri protocol, not a web server.
// Before joining a community only /join shows; signed-out residents only see /login. Each feature declares its own routes
// (features/<feature>/routes.ts); this file registers them, one line each.
import { createRouter, createWebHashHistory, type Router } from 'vue-router';
import { useSession } from './features/session/store';
import { routes as sessionRoutes } from './features/session/routes';
import { routes as noticesRoutes } from './features/notices/routes';
import { routes as passesRoutes } from './features/passes/routes';
import { routes as ticketsRoutes } from './features/tickets/routes';
import { routes as billsRoutes } from './features/bills/routes';
import { routes as joinRoutes } from './features/join/routes';
import { routes as homesRoutes } from './features/homes/routes';

export function createAppRouter(): Router {
  const router = createRouter({
    history: createWebHashHistory(),
    routes: [
      { path: '/', redirect: '/home' },
      ...joinRoutes,
      ...sessionRoutes,
      ...noticesRoutes,
      ...passesRoutes,
      ...ticketsRoutes,
      ...billsRoutes,
      ...homesRoutes,
      { path: '/:rest(.*)*', redirect: '/home' },
    ],
  });
  router.beforeEach((to) => {
    const session = useSession();
    // No backend yet: 加入小区 is the first screen, and the only one.
    if (!session.backendView) return to.name === 'join' ? true : { name: 'join' };
    if (to.name === 'join') return { name: session.account ? 'home' : 'login' };
    if (!session.account && !to.meta.public) return { name: 'login' };
    if (session.account && to.name === 'login') return { name: 'home' };
    return true;
  });
  return router;
}
