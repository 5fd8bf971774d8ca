"""TDK InvenSense MPU-6886 (M5StickC Plus2, M5Stack): the MPU-6050 driver with its differences.

Same register addresses, ranges and FIFO protocol as the MPU-6050 (see ``mpu6050``);
per the MPU-6886 datasheet (DS-000193): WHO_AM_I is 0x19; CONFIG's filter is the
gyro's only, the accelerometer has its own in ACCEL_CONFIG2 (0x1D), set to 44.8 Hz
(A_DLPF_CFG 3: at its reset value, 218 Hz, impacts and the motor's buzz would fold
into the 100 Hz samples); FIFO_EN has only
GYRO_FIFO_EN (bit 4) and ACCEL_FIFO_EN (bit 3), and the temperature always comes
with them, so a packet is ACCEL (6) + TEMP (2) + GYRO (6) = 14 bytes; CONFIG bit 6
FIFO_MODE is left 0 (a full FIFO overwrites its oldest bytes, which the overflow
check then sees as a count that is 1024 or not a multiple of 14). The FIFO holds
73 packets (0.73 s at 100 Hz).
"""

from drivers.mpu6050 import MPU6050

try:
    from micropython import const
except ImportError:  # CPython: const() is a plain identity there

    def const(__expr):  # positional-only, like the stub's
        return __expr


_DLPF_41HZ = const(0x03)  # FIFO_MODE 0 (overwrite), DLPF_CFG 3: gyro 1 kHz
_ACCEL_DLPF_45HZ = const(0x03)  # ACCEL_FCHOICE_B 0, A_DLPF_CFG 3
_FIFO_GYRO_ACCEL = const(0x18)


class MPU6886(MPU6050):
    SAMPLE_BYTES = 14
    WHO = (0x19,)
    GYRO_AT = 8
    CONFIG_BITS = _DLPF_41HZ
    ACCEL_FILTER = _ACCEL_DLPF_45HZ
    FIFO_BITS = _FIFO_GYRO_ACCEL
