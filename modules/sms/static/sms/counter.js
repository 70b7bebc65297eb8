// SM-1: characters left and SMS count as the user types, the same rules as the server
// (modules/sms/segments.py, the gsm0338 codec): GSM 03.38 160 / 153 per part, the extension
// characters count twice, any other character switches the text to UCS-2: 70 / 67 per part.
// tests/modules/sms/test_segments.py checks these two tables equal the codec's.
(function () {
  "use strict";
  var GSM_BASIC = "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001b\u00c6\u00e6\u00df\u00c9 !\"#\u00a4%&'()*+,-./0123456789:;<=>?\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0";
  var GSM_EXTENSION = "\f^{}\\[~]|\u20ac";

  function count(text) {
    var units = 0, gsm = true, i, ch;
    for (i = 0; i < text.length; i++) {
      ch = text.charAt(i);
      if (GSM_EXTENSION.indexOf(ch) !== -1) { units += 2; }
      else if (GSM_BASIC.indexOf(ch) !== -1) { units += 1; }
      else { gsm = false; break; }
    }
    var single = 160, part = 153;
    if (!gsm) { units = text.length; single = 70; part = 67; } // UTF-16 code units
    if (units === 0) { return { encoding: gsm ? "gsm" : "ucs2", units: 0, segments: 0, left: single }; }
    if (units <= single) { return { encoding: gsm ? "gsm" : "ucs2", units: units, segments: 1, left: single - units }; }
    var segments = Math.ceil(units / part);
    return { encoding: gsm ? "gsm" : "ucs2", units: units, segments: segments, left: segments * part - units };
  }

  function bind(area) {
    var out = document.getElementById(area.getAttribute("data-sms-counter"));
    if (!out) { return; }
    var left = out.querySelector("[data-sms-left]");
    var segments = out.querySelector("[data-sms-segments]");
    var encoding = out.querySelector("[data-sms-encoding]");
    function update() {
      var c = count(area.value.replace(/\r\n/g, "\n"));
      left.textContent = String(c.left);
      segments.textContent = String(c.segments);
      encoding.textContent = c.encoding === "gsm" ? "GSM 7 bits" : "Unicode (UCS-2)";
    }
    area.addEventListener("input", update);
    update();
  }

  window.PontonSms = { count: count };
  document.addEventListener("DOMContentLoaded", function () {
    var areas = document.querySelectorAll("textarea[data-sms-counter]");
    for (var i = 0; i < areas.length; i++) { bind(areas[i]); }
  });
})();
