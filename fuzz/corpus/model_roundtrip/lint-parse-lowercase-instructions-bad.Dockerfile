from debian:bookworm-slim
run apt-get install curl
