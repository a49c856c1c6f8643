# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
COPY --chmod=0644 <<app.conf /etc/app/
port=80
name=${NAME}
app.conf
COPY --chown=65532:65532 --link <<-'run.sh' <<.env README.md /opt/
	echo "$HOME"
run.sh
KEY=value
.env
