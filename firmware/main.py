# RetroStride: run the app (firmware/lib/app.py) until the board sleeps or resets.
import app

app.main()
