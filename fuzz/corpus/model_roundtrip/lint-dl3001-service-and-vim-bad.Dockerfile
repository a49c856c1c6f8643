# `service` starts a process that dies with the RUN; vim waits for a terminal.
FROM debian:bookworm-slim
RUN service nginx start
RUN vim /etc/hosts
