"""Third-party DNSimple clients against the emulator, each in its own venv (marker ``thirdparty``,
installed by ``scripts/install-thirdparty``): the official ``dnsimple`` Python client and
dns-lexicon's dnsimple provider, through its Python API and its ``lexicon`` command."""
