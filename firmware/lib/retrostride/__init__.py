"""RetroStride core: pure, tick-driven logic shared by the device and the host."""
