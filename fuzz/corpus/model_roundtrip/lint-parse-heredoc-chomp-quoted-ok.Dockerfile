# syntax=docker/dockerfile:1
FROM debian:bookworm-slim
RUN <<-'SCRIPT'
	set -e
	echo "$HOME"
	SCRIPT
