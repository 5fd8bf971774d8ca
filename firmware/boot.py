# RetroStride boot: nothing to set up before main.py; kept so a board's own boot.py
# (which might start WebREPL or mount an SD card) is replaced by a known one on deploy.
import gc

gc.collect()
