"""The exchange-facing API: keys, address and transfer screening, exposure, monitoring, webhooks."""
