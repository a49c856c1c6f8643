FROM centos:7
RUN yum install -y httpd python3-pip-9.0.3 && yum clean all
