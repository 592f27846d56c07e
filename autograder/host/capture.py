"""Keep the head of a worker's output and count the rest (a submission may print 300 MB)."""
import os
import threading


class CappedCapture:
    """Drains a pipe in a thread; keeps at most `limit` bytes, counts what it dropped."""

    def __init__(self, fd: int, limit: int = 64 * 1024):
        self.fd, self.limit = fd, limit
        self.kept = bytearray()
        self.dropped = 0
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._drain, daemon=True)
        self.thread.start()

    def _drain(self):
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            with self.lock:
                room = self.limit - len(self.kept)
                self.kept += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)

    def take(self) -> str:
        """What was printed since the last take, decoded, with a note of what was dropped."""
        with self.lock:
            text = self.kept.decode("utf-8", "replace")
            dropped, self.kept, self.dropped = self.dropped, bytearray(), 0
        if dropped:
            text += f"\n[... {dropped} more bytes of output dropped]"
        return text
