# A heredoc ADD writes a file from the Dockerfile's text: COPY <<name does
# the same without ADD's archive and URL behaviours (DL3020).
FROM debian:bookworm-slim
ADD <<app.conf /etc/app/
port=8080
app.conf
COPY <<motd /etc/
hello
motd
USER 65532
