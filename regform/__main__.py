from regform.cli import main

main()
