FROM python:3.12-slim
ADD file.zip /usr/src/app/
