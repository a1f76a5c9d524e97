// Send again the form the user filled before their session expired (a button does it without JS).
document.getElementById("repost").submit();
