# syntax=docker/dockerfile:1
FROM python:3.12-slim
RUN <<EOF
#!/usr/bin/env python3
print("pip install flask")
EOF
