"""The virtual device: real MicroPython in WebAssembly behind a pty, for mpremote."""
