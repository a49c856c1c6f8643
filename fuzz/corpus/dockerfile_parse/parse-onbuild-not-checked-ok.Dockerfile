FROM debian:bookworm-slim
ONBUILD RUN pip install -r requirements.txt
ONBUILD COPY . /app
