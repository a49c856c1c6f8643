FROM continuumio/miniconda3:4.9.2 AS build
RUN wget https://data.qiime2.org/distro/core/qiime2-2021.4-py38-linux-conda.yml \
 && conda env create -p /opt/qiime2 -f qiime2-2021.4-py38-linux-conda.yml \
 && conda clean -a \
 && rm qiime2-2021.4-py38-linux-conda.yml

FROM debian:buster-slim
COPY --from=build /opt/qiime2 /opt/qiime2
ENV PATH=/opt/qiime2/bin:${PATH}
ENV MPLBACKEND=agg \
    LC_ALL=C.UTF-8 \
    LANG=C.UTF-8 \
    HOME=/home/qiime2 \
    XDG_CONFIG_HOME=/home/qiime2
WORKDIR /home/qiime2
RUN qiime dev refresh-cache
ENTRYPOINT ["qiime"]
CMD ["info"]
