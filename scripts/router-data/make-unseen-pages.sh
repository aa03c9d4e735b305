#!/usr/bin/env bash
# Renders the five page images the router evaluates as unseen documents (test/fixtures/images/README.md): drawn with
# ImageMagick 6 (Debian `imagemagick`) and DejaVu fonts (`fonts-dejavu-core`), i.e. another renderer, other fonts and
# other layouts than the training documents (scripts/router-data/render.ts, sharp + SVG). Committed output; run again
# only to change them:  bash scripts/router-data/make-unseen-pages.sh
set -euo pipefail
out="$(cd "$(dirname "$0")/../.." && pwd)/test/fixtures/images"
C=convert
$C -size 420x560 xc:'#f7f3ea' -font DejaVu-Sans-Mono -pointsize 18 -fill black \
  -annotate +30+50 'CORNER CAFE' -annotate +30+90 '12 Mill Road, Leeds' \
  -annotate +30+150 'Flat white        3.20' -annotate +30+185 'Croissant         2.75' \
  -annotate +30+220 'Orange juice      2.90' -annotate +30+280 'SUBTOTAL          8.85' \
  -annotate +30+315 'VAT 20%           1.77' -annotate +30+360 'TOTAL            10.62' \
  -annotate +30+420 'Card  **** 4417' -annotate +30+470 '28/11/2026 09:41' -rotate 2 -quality 88 "$out/receipt-cafe.jpg"
$C "$out/receipt-cafe.jpg" -background '#6b5a45' -rotate -8 -gravity center -extent 700x800 -blur 0x1 -modulate 90 \
  -quality 85 "$out/receipt-on-table.jpg"
$C -size 800x1000 xc:white -font DejaVu-Sans -pointsize 30 -fill black -annotate +60+90 'INVOICE #20931' \
  -pointsize 20 -annotate +60+150 'Bill to: Harbor Tools Ltd, 4 Quay St, Bristol' \
  -annotate +60+190 'Date: 14 October 2026     Due: 13 November 2026' -draw 'line 60,240 740,240' \
  -annotate +60+280 'Description                 Qty    Price' -annotate +60+320 'Steel hinges (pack)          12    48.00' \
  -annotate +60+360 'Brass screws 4mm            200    16.50' -annotate +60+400 'Delivery                       1     9.95' \
  -draw 'line 60,430 740,430' -pointsize 26 -annotate +420+480 'Amount due: 74.45' "$out/invoice.png"
$C -size 1280x720 gradient:'#1e3a8a'-'#3b82f6' -font DejaVu-Sans-Bold -pointsize 56 -fill white -annotate +80+140 'Q3 Roadmap' \
  -font DejaVu-Sans -pointsize 34 -annotate +100+260 '- Ship the batching scheduler' -annotate +100+330 '- Cut p99 latency by 30%' \
  -annotate +100+400 '- Onboard two new experts' -annotate +100+470 '- Kubernetes autoscaling' -quality 88 "$out/slide.jpg"
$C -size 720x1280 xc:'#111111' -font DejaVu-Sans -pointsize 28 -fill '#eeeeee' -annotate +40+100 'Messages' \
  -pointsize 24 -fill '#dddddd' -annotate +40+200 'Anna: are we still on for 7?' -annotate +40+260 'Me: yes, meet at the station' \
  -annotate +40+320 'Anna: bring the tickets!' -annotate +40+380 'Me: already printed them' "$out/chat-screenshot.png"
