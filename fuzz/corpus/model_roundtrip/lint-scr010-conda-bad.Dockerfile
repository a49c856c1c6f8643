FROM continuumio/miniconda3:24.1.2-0
RUN conda install -y -c conda-forge numpy
