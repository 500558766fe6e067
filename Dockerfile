# The warehouse executable in a container; docker-compose.yml runs it beside PostgreSQL and Metabase.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Warehouse.Host/Warehouse.Host.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl for the compose health check; the SQL is embedded in the binary, so no source tree is copied.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
EXPOSE 5080
ENTRYPOINT ["dotnet", "warehouse.dll"]
CMD ["serve", "--urls", "http://0.0.0.0:5080"]
