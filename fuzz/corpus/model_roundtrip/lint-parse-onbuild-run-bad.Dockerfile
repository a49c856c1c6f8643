FROM debian:bookworm-slim
ONBUILD RUN pip install numpy==2.1.3
