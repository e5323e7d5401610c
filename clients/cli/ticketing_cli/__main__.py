from ticketing_cli.main import main

main()
