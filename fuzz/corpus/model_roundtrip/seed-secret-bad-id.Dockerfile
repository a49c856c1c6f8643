FROM debian:bookworm-slim
RUN --mount=type=secret,id=../../etc/passwd,target=/s cat /s
RUN --mount=type=secret,id=,env=X true
