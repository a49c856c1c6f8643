FROM debian:bookworm-slim
ONBUILD RUN pip install numpy
