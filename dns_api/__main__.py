from dns_api.cli import main

main()
