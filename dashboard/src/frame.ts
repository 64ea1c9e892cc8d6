/** Runs `flush` once in the next animation frame, however often `schedule` is called before it. */
export function frameBatch(flush: () => void): () => void {
  let pending = false;
  return () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      flush();
    });
  };
}
