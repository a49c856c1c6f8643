# Several sources need a directory written with a trailing slash.
FROM debian:bookworm-slim
COPY a.txt b.txt /dst
ADD c.txt d.txt /other
