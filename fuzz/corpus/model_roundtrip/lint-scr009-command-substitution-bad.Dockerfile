# A command inside $(...) or backticks is checked like any other.
FROM python:3.12-slim
RUN x=$(pip install numpy==2.0.0)
RUN y=`pip install pandas==2.2.2`
