// The first screen's mark, as linli's (ui/src/shared/firstScreen.ts): the next animation frame
// after the page is in place.
requestAnimationFrame(() => {
  const payload = { screen: 'hello', page_ms: Math.round(performance.now()) };
  window.__TAURI_INTERNALS__.invoke('plugin:event|emit', { event: 'first-screen', payload });
});
