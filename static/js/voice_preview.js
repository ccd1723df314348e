// "Listen" next to a voice list on the assistant settings: plays a short sample of the chosen
// voice, made by the server with the same synthesis a call uses.
(function () {
  "use strict";
  document.querySelectorAll("[data-voice-preview]").forEach(function (button) {
    var select = document.getElementById(button.dataset.voicePreview);
    var status = document.getElementById(button.dataset.status);
    var audio = new Audio();
    button.addEventListener("click", function () {
      if (!select) { return; }
      var url = button.dataset.url + "?provider=" + encodeURIComponent(button.dataset.provider) +
        "&voice=" + encodeURIComponent(select.value);
      status.textContent = button.dataset.loading;
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.blob();
      }).then(function (blob) {
        audio.src = URL.createObjectURL(blob);
        status.textContent = button.dataset.playing;
        button.dataset.played = select.value;
        return audio.play().catch(function () { /* autoplay refused: the sample is still ready */ });
      }).catch(function () {
        status.textContent = button.dataset.failed;
      });
    });
  });
})();
