# With the slash the build works; one source can go to a file name.
FROM debian:bookworm-slim
COPY a.txt b.txt /dst/
COPY a.txt /dst/renamed.txt
