"""Web-server configuration for the static site: content negotiation without twingraph running.

A resource ``/city/tehran`` is exported as ``city/tehran/index.html`` beside
``city/tehran.ttl``, ``.jsonld`` and ``.nt``. These snippets make a plain web
server answer its IRI the way ``twingraph serve`` does: the file of the RDF
format the Accept header asks for, else the HTML page, with ``Vary: Accept`` and
each format's media type. Accept is matched as text: q-values are not weighed
(the server does weigh them), so the first RDF format a client names wins.
Pure text, no I/O.
"""

from __future__ import annotations

import re
from pathlib import Path

from twingraph.rdf.formats import RdfFormat

# the formats the static site writes beside every page, in the order the snippets try them
SITE_FORMATS = (RdfFormat.TURTLE, RdfFormat.JSONLD, RdfFormat.NTRIPLES)
GZIP = "application/gzip"


def accept_pattern(fmt: RdfFormat) -> str:
    r"""The media type as a regular expression (PCRE, as Apache and nginx read it) to find in an Accept header.

    >>> print(accept_pattern(RdfFormat.JSONLD))
    application/ld\+json
    """
    return re.sub(r"([+.])", r"\\\1", fmt.media_type)


def htaccess() -> str:
    """An Apache httpd 2.4 ``.htaccess`` for the site's root (mod_rewrite, mod_mime, mod_headers)."""
    types = "\n".join(f"AddType {f.media_type} {f.suffix}" for f in SITE_FORMATS)
    rules = "\n\n".join(
        f"RewriteCond %{{HTTP_ACCEPT}} {accept_pattern(f)} [NC]\n"
        f"RewriteCond %{{REQUEST_FILENAME}}{f.suffix} -f\n"
        f"RewriteRule ^(.+)$ $1{f.suffix} [END]"
        for f in SITE_FORMATS
    )
    suffixes = " ".join(f.suffix for f in SITE_FORMATS)
    return f"""# twingraph static site: content negotiation for Apache httpd 2.4, written by 'twingraph site'.
# Put the site at the root of the host of its base IRI (its links start with "/") and allow
# this file: AllowOverride FileInfo Indexes Options (or All); needs mod_rewrite and mod_headers.
# Accept is matched as text, q-values are not weighed: the first RDF format named below that
# the Accept header mentions wins; everything else gets the HTML page.

Options -MultiViews -Indexes
DirectoryIndex index.html
# /city/tehran is a directory holding index.html; answer it without a redirect to /city/tehran/
DirectorySlash Off

AddType text/html .html
AddType text/css .css
{types}
AddType {GZIP} .gz
# the N-Triples dump is a gzip file to download, not a compressed response
RemoveEncoding .gz
AddCharset utf-8 .html .css {suffixes}

<IfModule mod_headers.c>
    Header merge Vary Accept
</IfModule>

RewriteEngine On

{rules}

RewriteCond %{{REQUEST_FILENAME}} -d
RewriteCond %{{REQUEST_FILENAME}}/index.html -f
RewriteRule ^(.+?)/?$ $1/index.html [END]
"""


def nginx_conf(root: Path, host: str) -> str:
    """An nginx ``map`` and ``server`` block serving the site in ``root`` as ``host``."""
    variants = "\n".join(f'    "~*{accept_pattern(f)}" "{f.suffix}";' for f in SITE_FORMATS)
    types = "\n".join(f"        {f.media_type} {f.suffix.lstrip('.')};" for f in SITE_FORMATS)
    charset_types = " ".join(f.media_type for f in SITE_FORMATS)
    return f"""# twingraph static site: content negotiation for nginx, written by 'twingraph site'.
# Put both blocks inside http {{ }} (e.g. as /etc/nginx/conf.d/twingraph.conf) and set root and
# server_name to where the site is and the host of its base IRI; its links start with "/".
# Accept is matched as text, q-values are not weighed: the first RDF format listed in the map
# that the Accept header mentions wins; everything else gets the HTML page.

map $http_accept $twingraph_suffix {{
    default "";
{variants}
}}

server {{
    listen 80;
    server_name {host};
    root {root};
    index index.html;

    include mime.types;
    types {{
{types}
        {GZIP} gz;
    }}
    charset utf-8;
    charset_types text/html text/css {charset_types};

    # the export's marker file, and .htaccess
    location ~ /\\. {{
        deny all;
    }}

    location / {{
        add_header Vary Accept always;
        # /city/tehran: city/tehran.ttl when Turtle is asked for, else the file itself, else the page
        try_files $uri$twingraph_suffix $uri $uri/index.html =404;
    }}
}}
"""
