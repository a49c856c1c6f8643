# `ps` as an argument (a package name in a message) is not a command.
FROM debian:bookworm-slim
RUN echo "no ps, top or kill here"
