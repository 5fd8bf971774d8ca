"""Device drivers: the only firmware code that talks to chips (through ``I2CBus``)."""
