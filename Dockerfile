FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY domain domain
COPY adapters adapters
COPY api api
COPY workers workers
COPY leerroute leerroute
COPY alembic alembic
RUN pip install --no-cache-dir -e .
ENV LEERROUTE_DATA_DIR=/data
EXPOSE 8000
CMD ["leerroute", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-workers"]
