"""Reference data: regions (GB/T 2260), request types, channels, IP types."""
